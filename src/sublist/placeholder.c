/* placeholder until the module lands */ typedef int ns_placeholder_t;

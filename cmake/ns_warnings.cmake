# Warnings for our own code (dev and CI): see docs/internals/principles.md.
set(NS_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wwrite-strings -Wvla -Wformat=2 -Wimplicit-fallthrough -Wno-unused-parameter)
if(NS_WERROR)
  list(APPEND NS_WARNINGS -Werror)
endif()
add_compile_definitions(_GNU_SOURCE)
add_compile_options(${NS_WARNINGS})

import socket,time,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.recv(4096)
s.send(b'CONNECT {"verbose":false,"user":"al","pass":"pw","name":"u"}\r\nPING\r\n'); time.sleep(1.5)

# skip: two programs in one snippet (server.py runs client.py, a file of its own)

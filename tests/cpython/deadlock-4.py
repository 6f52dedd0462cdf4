import random, threading, time

lockA, lockB = threading.Lock(), threading.Lock()
#SCENE

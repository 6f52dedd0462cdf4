import threading

lockA, lockB = threading.Lock(), threading.Lock()
#SCENE

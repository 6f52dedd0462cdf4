import time, threading

#SCENE

import threading

#SCENE

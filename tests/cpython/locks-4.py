# lanes: Thread-1 (task1)=task1, Thread-2 (task2)=task2
import time, threading

#SCENE

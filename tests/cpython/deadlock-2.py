# takes: deadlock-1 lockA, deadlock-1 lockB, deadlock-1 MyThread1
import time
from threading import Thread, Lock

#TAKES
#SCENE

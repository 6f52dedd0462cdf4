# lanes: Thread-1 (waiter)=waiter
import time, threading

#SCENE

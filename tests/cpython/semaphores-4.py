# lanes: Thread-1 (runner)=runner-0, Thread-2 (runner)=runner-1, Thread-3 (runner)=runner-2, Thread-4 (runner)=runner-3
import threading, time

#SCENE

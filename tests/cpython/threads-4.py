# lanes: Thread-1 (add)=Thread-1, Thread-2 (add)=Thread-2
import os, threading

#SCENE

# lanes: Thread-1 (run)=Thread-1
import threading

#SCENE

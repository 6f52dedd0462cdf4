# lanes: Thread-1 (ticker)=ticker, main=prog
import time, threading

#SCENE

# lanes: Thread-1 (download)=download, Thread-2 (listen_music)=listen_music
import time, threading

#SCENE

# compare: prefix
# timeout: 3
import time
from threading import Thread, Lock

#SCENE

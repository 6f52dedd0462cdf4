import multiprocessing as mp
from ctypes import c_char_p
from multiprocessing import Value

#SCENE

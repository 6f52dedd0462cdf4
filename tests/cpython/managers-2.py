import time
from multiprocessing import Manager, Value

if __name__ == "__main__":
    #SCENE

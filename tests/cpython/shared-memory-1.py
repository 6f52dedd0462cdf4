from multiprocessing import Process, Value, Array

#SCENE

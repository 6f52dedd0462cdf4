from multiprocessing import Manager, Process

#SCENE

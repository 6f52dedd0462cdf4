# compare: all
#SCENE

# compare: any
#SCENE

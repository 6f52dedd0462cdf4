# The learner's own sitecustomize: trace must still run it.
print("the learner's sitecustomize ran")

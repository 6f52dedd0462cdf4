# skip: a measurement; it prints figures, which the lesson shows as measures

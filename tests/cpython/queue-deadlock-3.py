# skip: a measurement (a bisection); its figure is the lesson's measure, beside CPython's own

"""Book-style computational-graph drawings: values above the arrows, gradients below."""

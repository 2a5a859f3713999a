"""Neural-network layers built on autograd, and the book's manual layers."""

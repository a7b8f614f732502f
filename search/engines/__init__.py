"""Search engines behind one small interface (base.py): the embedded index (embedded.py) today, a
second engine beside it; factory.py opens the one an index names."""

"""What falls due: ``dueBetween`` over the ``deadlines`` view."""

"""Scale and speed: sample warehouses of millions of lines, pages cold and warm, pandas, the floor."""

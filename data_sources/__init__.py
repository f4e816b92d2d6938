"""The warehouse seam: configuration, engine, schema, demo generator, load log."""

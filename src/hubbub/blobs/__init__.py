"""File storage: the Blobs port and its adapters, a directory (filesystem.py) and S3 (s3.py)."""

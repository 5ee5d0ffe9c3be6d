"""What runs in the RQ worker: the job functions (tasks) and the worker process (run)."""

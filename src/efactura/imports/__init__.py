"""Large imports run in the background worker: the upload is stored, the request returns at
once, and the page follows the job's progress until its report is ready."""

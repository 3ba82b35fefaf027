"""Build and grading tools of the course (for instructors and CI, not for students)."""

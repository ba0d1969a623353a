;;;; util.test (placeholder)

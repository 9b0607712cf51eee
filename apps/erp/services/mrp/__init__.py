"""MRP planning: `inputs` reads demand, supply and structure set-based; `engine` plans in memory; `writer` stores the
plan; `run` starts, executes (Celery) and cancels runs; `release` turns planned orders into SCM and MES drafts."""

"""Traceability across the suite: the chain of one record both ways (`graph`) and the recall of a supplier lot
(`recall`). ERP is the only module that may read all the others, so the whole thread is walked here."""

"""Run bench/minimal.sql with DuckDB over one month: python3 bench/minimal.py DATA OUT [THREADS]."""
import os
import sys

import duckdb

data, out = sys.argv[1], sys.argv[2]
threads = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
os.makedirs(out, exist_ok=True)
sql = open(os.path.join(os.path.dirname(__file__), "minimal.sql"), encoding="utf-8").read()
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute(sql.replace("{data}", os.path.abspath(data)).replace("{out}", os.path.abspath(out)))

from lksym.cli import run

run()

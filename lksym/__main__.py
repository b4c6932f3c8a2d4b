from lksym.cli import main

main()

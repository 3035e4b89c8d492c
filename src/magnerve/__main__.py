from magnerve.cli.app import main

main()

WHERE = "scf layer root"

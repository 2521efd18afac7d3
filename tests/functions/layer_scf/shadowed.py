WHERE = "scf layer"

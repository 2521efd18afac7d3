WHERE = "fc layer"

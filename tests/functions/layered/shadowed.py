WHERE = "code folder"

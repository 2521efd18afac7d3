WHERE = "fc layer python/"

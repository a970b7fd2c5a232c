// placeholder: weighted MinHash (step 2)

// placeholder: MinHash arrives with step 2

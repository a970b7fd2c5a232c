// placeholder: b-bit MinHash (step 2)

// placeholder: SimHash arrives with step 2

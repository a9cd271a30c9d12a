lang-switched = This group now speaks { $language }.

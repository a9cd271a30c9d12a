lang-switched = 本群已切换为{ $language }。

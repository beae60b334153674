return {name=('n'):rep(500), title=nil, evaluate=1, measures={1, 2, {}}, params={{key=''}, {key='x', min=0/0, max=-1/0, type='what'}, 'x'}}

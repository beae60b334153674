return {name='industry', title='t', evaluate=function(h) error(h.members[1].id_number) end}

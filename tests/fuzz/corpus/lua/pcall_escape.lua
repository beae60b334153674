return {name='industry', title='t', evaluate=function(h) for i = 1, 100 do pcall(function() while true do end end) end error(setmetatable({}, {__tostring = function() while true do end end})) end}
